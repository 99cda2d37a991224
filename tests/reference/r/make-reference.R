# Reference values for the statistics engine's tests, from R's survival package.
# Run from this folder:  Rscript make-reference.R   (writes data/*.csv and expected/*.csv)
# The test suite reads the committed files; it never needs R.
source("common.R")

datasets <- list()
l <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog")])
datasets$lung <- data.frame(time = l$time, status = l$status - 1, x1 = l$age, x2 = l$sex, group = l$sex)
datasets$ovarian <- data.frame(time = ovarian$futime, status = ovarian$fustat, x1 = ovarian$age, x2 = ovarian$ecog.ps, group = ovarian$rx)
datasets$veteran <- data.frame(time = veteran$time, status = veteran$status, x1 = veteran$karno, x2 = veteran$age, group = veteran$trt)
set.seed(20261124)
n <- 300
ties <- data.frame(time = sample(1:12, n, replace = TRUE), status = rbinom(n, 1, 0.7), x1 = rnorm(n), x2 = rbinom(n, 1, 0.4), group = sample(1:3, n, replace = TRUE))
datasets$heavy_ties <- ties
cens <- data.frame(time = rep(c(2, 4, 6, 8, 10), each = 12), status = rep(c(1, 0), 30), x1 = rnorm(60), x2 = rbinom(60, 1, 0.5), group = rep(1:2, 30))
datasets$censor_at_event_times <- cens
single <- data.frame(time = round(rexp(80, 0.1), 1) + 0.1, status = rbinom(80, 1, 0.8), x1 = rnorm(80), x2 = rbinom(80, 1, 0.3), group = 1)
datasets$single_group <- single
# S drops to exactly 0.5 and stays there over an interval (censoring only) before the next event.
flat <- data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), status = c(1, 1, 1, 1, 1, 0, 0, 1, 1, 1), x1 = c(1, 3, 2, 5, 4, 7, 6, 9, 8, 10), x2 = c(0, 1, 0, 1, 0, 1, 0, 1, 0, 1), group = rep(1:2, 5))
datasets$flat_median <- flat

for (name in names(datasets)) {
  d <- datasets[[name]]
  write_table(d, file.path("data", paste0(name, ".csv")))
  medians <- NULL
  for (ct in c("plain", "log", "log-log")) {
    fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = ct)
    write_table(data.frame(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
                           surv = fit$surv, std_err = fit$surv * fit$std.err, lower = fit$lower, upper = fit$upper),
                file.path("expected", paste0(name, "_km_", ct, ".csv")))
    q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
    medians <- rbind(medians, data.frame(conf = ct, p = c(0.25, 0.5, 0.75), value = as.numeric(q$quantile), lower = as.numeric(q$lower), upper = as.numeric(q$upper)))
  }
  write_table(medians, file.path("expected", paste0(name, "_quantiles.csv")))
  for (tm in c("efron", "breslow")) {
    cf <- coxph(Surv(time, status) ~ x1 + x2, data = d, ties = tm)
    # The unrounded statistics (summary() rounds its printed tests).
    lr <- 2 * (cf$loglik[2] - cf$loglik[1])
    write_table(data.frame(name = c("x1", "x2"), coef = coef(cf), se = sqrt(diag(vcov(cf)))), file.path("expected", paste0(name, "_cox_", tm, ".csv")))
    write_table(data.frame(test = c("lr", "wald", "score", "loglik", "loglik_null"),
                           chisq = c(lr, cf$wald.test, cf$score, cf$loglik[2], cf$loglik[1]),
                           p = c(pchisq(c(lr, cf$wald.test, cf$score), 2, lower.tail = FALSE), NA, NA)),
                file.path("expected", paste0(name, "_cox_", tm, "_tests.csv")))
  }
  if (length(unique(d$group)) > 1) {
    lr <- survdiff(Surv(time, status) ~ group, data = d)
    write_table(data.frame(chisq = lr$chisq, df = length(lr$n) - 1), file.path("expected", paste0(name, "_logrank.csv")))
  }
}
writeLines(paste("R", getRversion(), "survival", packageVersion("survival")), "expected/VERSION")
