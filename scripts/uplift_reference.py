#!/usr/bin/env python3
"""Reference CATE estimates for `xsell-bench quality` (docs/benchmarks-quality.md).

Reads the simulator's exposures (train.csv: offer, raw features, treatment, y) and the held-out
customers (heldout.csv: offer, raw features, tau_true), fits per offer the models below on the
training rows of that offer, and prints as JSON the RMSE of tau(x) against tau_true on the
held-out rows, per offer and pooled over all (customer, offer) pairs:

  * scikit-uplift TwoModels (T-learner, method "vanilla") with scikit-learn LogisticRegression;
  * scikit-uplift TwoModels with HistGradientBoostingClassifier;
  * an X-learner (Kunzel et al. 2019) written with scikit-learn: HistGradientBoosting outcome
    models, HistGradientBoostingRegressor effect models, tau = g*tau_C + (1-g)*tau_T with g the
    treated share (scikit-uplift has no X-learner).

Features are those xsell's encoder sees: log1p(tenureMonths), log1p(avgMonthlyBalance), tier
one-hot, holdings as 0/1.
"""
import argparse
import json

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklift.models import TwoModels

HOLDINGS = ["hasChecking", "hasSavings", "hasCreditCard", "hasMortgage", "hasBrokerage"]


def features(df):
    x = pd.DataFrame({
        "log_tenure": np.log1p(df["tenureMonths"].astype(float)),
        "log_balance": np.log1p(df["avgMonthlyBalance"].astype(float)),
        "premium": (df["tier"] == "premium").astype(float),
        "private": (df["tier"] == "private").astype(float),
    })
    for h in HOLDINGS:
        x[h] = df[h].astype(float)
    return x.to_numpy()


def logistic():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def boosted():
    return HistGradientBoostingClassifier(random_state=0)


def two_models(make):
    def fit_predict(x, t, y, x_new):
        model = TwoModels(estimator_trmnt=make(), estimator_ctrl=make(), method="vanilla")
        model.fit(x, y, t)
        return model.predict(x_new)
    return fit_predict


def x_learner(x, t, y, x_new):
    treated, control = t == 1, t == 0
    mu1 = boosted().fit(x[treated], y[treated])
    mu0 = boosted().fit(x[control], y[control])
    d1 = y[treated] - mu0.predict_proba(x[treated])[:, 1]
    d0 = mu1.predict_proba(x[control])[:, 1] - y[control]
    tau1 = HistGradientBoostingRegressor(random_state=0).fit(x[treated], d1)
    tau0 = HistGradientBoostingRegressor(random_state=0).fit(x[control], d0)
    g = treated.mean()
    return g * tau0.predict(x_new) + (1 - g) * tau1.predict(x_new)


MODELS = {
    "scikit-uplift TwoModels + LogisticRegression": two_models(logistic),
    "scikit-uplift TwoModels + HistGradientBoosting": two_models(boosted),
    "X-learner (scikit-learn HistGradientBoosting)": x_learner,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--heldout", required=True)
    args = parser.parse_args()
    train, held = pd.read_csv(args.train), pd.read_csv(args.heldout)
    result = {}
    for name, fit_predict in MODELS.items():
        per_offer, squared, count = {}, 0.0, 0
        for offer, rows in held.groupby("offer"):
            data = train[train["offer"] == offer]
            t, y = data["treatment"].to_numpy(), data["y"].to_numpy()
            if t.sum() == 0 or (1 - t).sum() == 0:
                continue
            tau = fit_predict(features(data), t, y, features(rows))
            errors = (tau - rows["tau_true"].to_numpy()) ** 2
            per_offer[offer] = float(np.sqrt(errors.mean()))
            squared, count = squared + errors.sum(), count + len(rows)
        per_offer["pooled"] = float(np.sqrt(squared / count)) if count else None
        result[name] = per_offer
    print(json.dumps({"models": result}, sort_keys=True))


if __name__ == "__main__":
    main()
