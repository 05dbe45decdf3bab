// XSellCore module.
