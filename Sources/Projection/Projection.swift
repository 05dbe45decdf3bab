// Projection module.
