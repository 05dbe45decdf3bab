// Learning: pure, deterministic online learners for xsell (guide §6).
//
// - `LogisticRegression` (FTRL-proximal) over a `FeatureMap` (linear, pairwise, binned)
// - `OnlineRidge` (recursive least squares) for the X-learner's pseudo-outcomes
// - `UpliftModel`: μ_T, μ_C, T-/X-learner τ, segments, lookback by staggered generations
// - `Propensity`: hierarchical shrinkage of P = μ_T(x)
// - `UpliftFactor`: U = 2·σ(τ/0.05)
// - `ExperimentStatistics`: holdout z-test, CI, incremental conversions and revenue
//
// No randomness, no clock, no I/O: the same sequence of updates gives bit-identical state.
