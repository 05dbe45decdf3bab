// DecisionFlow module.
