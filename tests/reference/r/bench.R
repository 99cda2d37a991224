# The statistics benchmark's data and R's own timings (./npc-ecrf bench stats runs this).
# Usage: Rscript bench.R N OUT.csv   -> writes the data, prints one line of JSON with R's timings and estimates.
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[1]); out <- args[2]
set.seed(42)
x1 <- rnorm(n); x2 <- rbinom(n, 1, 0.4); x3 <- runif(n, 20, 80)
hazard <- exp(0.5 * x1 - 0.4 * x2 + 0.01 * x3) / 40
time <- ceiling(rexp(n, hazard))          # whole days: many tied times
censor <- ceiling(runif(n, 1, 120))
d <- data.frame(time = pmin(time, censor), status = as.integer(time <= censor), x1 = x1, x2 = x2, x3 = x3)
write.csv(d, out, row.names = FALSE)
cox_s <- system.time(fit <- coxph(Surv(time, status) ~ x1 + x2 + x3, data = d, ties = "efron"))[["elapsed"]]
km_s <- system.time(km <- survfit(Surv(time, status) ~ 1, data = d))[["elapsed"]]
cat(sprintf('{"n": %d, "coxSeconds": %.4f, "kmSeconds": %.4f, "coef": [%.15g, %.15g, %.15g], "se": [%.15g, %.15g, %.15g], "kmMedian": %.15g}\n',
    n, cox_s, km_s, coef(fit)[1], coef(fit)[2], coef(fit)[3], sqrt(diag(vcov(fit)))[1], sqrt(diag(vcov(fit)))[2], sqrt(diag(vcov(fit)))[3],
    summary(km)$table[["median"]]))
