# What both reference scripts share: the survival package, the output folders, and numbers written at full precision.
suppressMessages(library(survival))
dir.create("data", showWarnings = FALSE)
dir.create("expected", showWarnings = FALSE)
fmt <- function(x) ifelse(is.na(x), "NA", formatC(x, digits = 17, format = "g"))
write_table <- function(df, path) {
  for (n in names(df)) if (is.numeric(df[[n]])) df[[n]] <- fmt(df[[n]])
  write.csv(df, path, row.names = FALSE, quote = FALSE)
}
