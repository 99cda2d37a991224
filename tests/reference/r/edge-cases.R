# Reference values for the edge cases of issue 14, from R's survival package (and base R's stats for proportions).
# Run from this folder:  Rscript edge-cases.R   (writes data/edge_*.csv and expected/edge_*.csv)
# The test suite reads the committed files; it never needs R. The R call behind each file is named beside it.
source("common.R")

edges <- list()
# Every event before 2.8 months, the last observation an event: the curve reaches 0 at 2.75 months.
edges$edge_early_events <- data.frame(time = c(0.4, 0.9, 1.2, 1.8, 2.3, 2.75), status = c(1, 1, 0, 1, 1, 1))
# An as-of analysis with 2.7 months of follow-up: some events, everyone else censored at or before 2.7 months.
edges$edge_short_follow_up <- data.frame(time = c(0.8, 1.5, 2.0, 2.2, 2.7, 2.7, 2.7, 2.7), status = c(1, 0, 1, 0, 0, 0, 0, 0))
# Nobody has had the event: every subject censored (the as-of case before the first event).
edges$edge_all_censored <- data.frame(time = c(0.5, 1.1, 1.9, 2.7, 2.7), status = c(0, 0, 0, 0, 0))
# A curve that reaches 0 at 10 months after events and censoring spread over the year.
edges$edge_reaches_zero <- data.frame(time = c(1, 2.5, 3, 4.5, 5, 7, 8, 9.5, 10), status = c(1, 0, 1, 1, 0, 1, 0, 1, 1))
landmarks <- c(0.25, 1, 2.7, 6, 12)

for (name in names(edges)) {
  d <- edges[[name]]
  write_table(d, file.path("data", paste0(name, ".csv")))
  lm <- NULL
  medians <- NULL
  for (ct in c("plain", "log", "log-log")) {
    fit <- survfit(Surv(time, status) ~ 1, data = d, conf.type = ct)
    write_table(data.frame(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
                           surv = fit$surv, std_err = fit$surv * fit$std.err, lower = fit$lower, upper = fit$upper),
                file.path("expected", paste0(name, "_km_", ct, ".csv")))
    # The landmark rates: summary(survfit(...), times = ..., extend = TRUE)
    s <- summary(fit, times = landmarks, extend = TRUE)
    lm <- rbind(lm, data.frame(conf = ct, time = s$time, n_risk = s$n.risk, surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper))
    q <- quantile(fit, probs = 0.5)
    medians <- rbind(medians, data.frame(conf = ct, p = 0.5, value = as.numeric(q$quantile), lower = as.numeric(q$lower), upper = as.numeric(q$upper)))
  }
  write_table(lm, file.path("expected", paste0(name, "_landmarks.csv")))
  write_table(medians, file.path("expected", paste0(name, "_quantiles.csv")))
}

# Proportions whose interval may leave [0, 1]. k successes in n:
#   t (paper profile, SPSS mean of a 0/1 variable): t.test(c(rep(1, k), rep(0, n - k)))$conf.int
#   wald: p + c(-1, 1) * qnorm(0.975) * sqrt(p * (1 - p) / n)
#   wilson: prop.test(k, n, correct = FALSE)$conf.int
#   clopper-pearson (R profile): binom.test(k, n)$conf.int
props <- NULL
for (kn in list(c(1, 7), c(4, 30), c(22, 30), c(1, 20), c(6, 7), c(0, 10), c(10, 10))) {
  k <- kn[1]; n <- kn[2]; p <- k / n
  x <- c(rep(1, k), rep(0, n - k))
  # t.test refuses constant data ("data are essentially constant"): the SD is 0, so the interval is the point.
  tci <- if (k == 0 || k == n) c(p, p) else as.numeric(t.test(x)$conf.int)
  props <- rbind(props,
    data.frame(k = k, n = n, method = "t", estimate = p, lower = tci[1], upper = tci[2]),
    data.frame(k = k, n = n, method = "wald", estimate = p, lower = p - qnorm(0.975) * sqrt(p * (1 - p) / n), upper = p + qnorm(0.975) * sqrt(p * (1 - p) / n)),
    data.frame(k = k, n = n, method = "wilson", estimate = p, lower = prop.test(k, n, correct = FALSE)$conf.int[1], upper = prop.test(k, n, correct = FALSE)$conf.int[2]),
    data.frame(k = k, n = n, method = "clopper-pearson", estimate = p, lower = binom.test(k, n)$conf.int[1], upper = binom.test(k, n)$conf.int[2]))
}
write_table(props, file.path("expected", "edge_proportions.csv"))
writeLines(paste("R", getRversion(), "survival", packageVersion("survival")), "expected/VERSION")
