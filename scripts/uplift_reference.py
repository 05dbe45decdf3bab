#!/usr/bin/env python3
"""Reference CATE estimates and the metrics of `xsell-bench quality` (docs/benchmarks-quality.md).

Reads the simulator's exposures (train.csv: offer, raw features, treatment, y, propensity) and the
held-out (customer, offer) pairs (heldout.csv: customer, offer, raw features, tau_true,
mu_control_true, segment_true, and one column "xsell <learner>" per xsell learner with its tau
estimate). Fits per offer, on that offer's training rows, causalml's

  * T-learner (BaseTClassifier) with scikit-learn LogisticRegression and with LightGBM;
  * X-learner (BaseXClassifier) with LogisticRegression/Ridge and with LightGBM
    classifier/regressor (causalml's own propensity model);

LightGBM single-threaded (n_jobs=1), once with default hyper-parameters and once regularised for
rare binary outcomes with small effects (shallow trees, a low learning rate, large leaves:
`num_leaves=8, learning_rate=0.03, n_estimators=300, min_child_samples=200, subsample=0.8`,
fixed for every size and seed, not tuned to one). Then scores every model, xsell's included,
with the same code and prints JSON per model:

  * pehe: RMSE of tau_hat against tau_true over all held-out pairs;
  * policy_share: each held-out customer gets the offer with the highest tau_hat, or none if all
    tau_hat <= 0; the true incremental conversions this earns as a share of the oracle's
    (sum over customers of max(0, max_o tau_true));
  * sleeping_dog_recall: share of the true sleeping-dog pairs with tau_hat < 0 (never pitched);
  * fit_seconds: time to fit and predict all offers (0 for xsell, measured by the bench).

Features are what xsell's encoder sees: log1p(tenureMonths), log1p(avgMonthlyBalance), tier
one-hot, holdings as 0/1.
"""
import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
from causalml.inference.meta import BaseTClassifier, BaseXClassifier
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

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


def lgbm_classifier():
    return LGBMClassifier(n_jobs=1, verbose=-1, random_state=0)


def lgbm_regressor():
    return LGBMRegressor(n_jobs=1, verbose=-1, random_state=0)


REGULARISED = dict(num_leaves=8, learning_rate=0.03, n_estimators=300, min_child_samples=200, subsample=0.8,
                   subsample_freq=1, n_jobs=1, verbose=-1, random_state=0)


def lgbm_classifier_regularised():
    return LGBMClassifier(**REGULARISED)


def lgbm_regressor_regularised():
    return LGBMRegressor(**REGULARISED)


MODELS = {
    "causalml T-learner + LogisticRegression": lambda: BaseTClassifier(learner=logistic(), control_name="control"),
    "causalml T-learner + LightGBM": lambda: BaseTClassifier(learner=lgbm_classifier(), control_name="control"),
    "causalml X-learner + LogisticRegression": lambda: BaseXClassifier(
        outcome_learner=logistic(), effect_learner=make_pipeline(StandardScaler(), Ridge()), control_name="control"),
    "causalml X-learner + LightGBM": lambda: BaseXClassifier(
        outcome_learner=lgbm_classifier(), effect_learner=lgbm_regressor(), control_name="control"),
    "causalml T-learner + LightGBM (regularised)": lambda: BaseTClassifier(
        learner=lgbm_classifier_regularised(), control_name="control"),
    "causalml X-learner + LightGBM (regularised)": lambda: BaseXClassifier(
        outcome_learner=lgbm_classifier_regularised(), effect_learner=lgbm_regressor_regularised(),
        control_name="control"),
}


def metrics(held, tau_hat):
    tau_true = held["tau_true"].to_numpy()
    pehe = float(np.sqrt(np.mean((tau_hat - tau_true) ** 2)))
    frame = pd.DataFrame({"customer": held["customer"].to_numpy(), "hat": tau_hat, "true": tau_true})
    best = frame.loc[frame.groupby("customer")["hat"].idxmax()]
    value = float(best.loc[best["hat"] > 0, "true"].sum())
    oracle = float(frame.groupby("customer")["true"].max().clip(lower=0).sum())
    dogs = (held["segment_true"] == "sleeping_dog").to_numpy()
    recall = float(np.mean(tau_hat[dogs] < 0)) if dogs.any() else None
    return {"pehe": pehe, "policy_share": value / oracle if oracle > 0 else None, "sleeping_dog_recall": recall}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--heldout", required=True)
    parser.add_argument("--skip-references", action="store_true", help="score xsell's columns only")
    parser.add_argument("--only", help="fit only the reference models whose name contains this")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    train, held = pd.read_csv(args.train), pd.read_csv(args.heldout)
    result = {}
    for column in [c for c in held.columns if c.startswith("xsell ")]:
        result[column] = dict(metrics(held, held[column].to_numpy()), fit_seconds=0.0)
    for name, make in ({} if args.skip_references else MODELS).items():
        if args.only and args.only not in name:
            continue
        start = time.process_time()
        tau_hat = np.zeros(len(held))
        for offer, rows in held.groupby("offer"):
            data = train[train["offer"] == offer]
            t, y = data["treatment"].to_numpy(), data["y"].to_numpy()
            if t.sum() == 0 or (1 - t).sum() == 0:
                continue
            model = make()
            model.fit(features(data), np.where(t == 1, "treatment", "control"), y)
            tau_hat[rows.index.to_numpy()] = np.asarray(model.predict(features(rows))).reshape(len(rows), -1)[:, 0]
        result[name] = dict(metrics(held, tau_hat), fit_seconds=time.process_time() - start)
    print(json.dumps({"models": result}, sort_keys=True))


if __name__ == "__main__":
    main()
