# Expected class breaks for tests/unit/test_style.c (golden_*): R's classInt::classIntervals(style = "fisher")
# (Fisher's exact Jenks optimisation) and quantile(type = 1) on a fixed vector.
#   Rscript tests/golden/style/classint.R > tests/golden/style/classint_expected.txt
# Debian: r-cran-classint. classInt's fisher breaks are the smallest value of each class and then the
# maximum; safemap's are the largest value of each class: the test compares the classes' members.
suppressMessages(library(classInt))
x <- c(0.5, 1.1, 1.3, 2.0, 2.2, 2.9, 4.8, 5.1, 5.3, 5.9, 6.2, 9.7, 10.1, 10.4, 11.0, 15.2, 15.9, 16.4,
       23.0, 24.5, 31.7, 32.2, 40.8, 41.0, 55.3, 3.3, 7.7, 12.6, 19.9, 27.4, 36.1, 48.2, 0.9, 8.8, 13.5)
cat("# classInt", as.character(packageVersion("classInt")), "on R", R.version$major, R.version$minor, "\n")
for (k in c(3, 5, 7)) {
  ci <- classIntervals(x, k, style = "fisher")
  # members of each class (left-closed intervals, the last closed): the largest value of each class
  cls <- findCols(ci)
  cat(sprintf("fisher %d", k), sprintf("%.17g", tapply(x, cls, max)), "\n")
}
for (k in c(4, 7)) {
  cat(sprintf("quantile1 %d", k), sprintf("%.17g", quantile(x, probs = (1:k) / k, type = 1, names = FALSE)), "\n")
}
