// Straight line with a prior uniform over directions: theta ~ uniform(-pi/2, pi/2)
// (implied by its bounds), slope m = tan(theta), intercept b = b_perp / cos(theta).
data {
  int<lower=0> N;
  vector[N] x;
  vector[N] y;
}
transformed data {
  matrix[N, 1] X = to_matrix(x);
}
parameters {
  real<lower=-pi() / 2, upper=pi() / 2> theta;
  real b_perp;
  real<lower=0> sigma;
}
transformed parameters {
  real m = tan(theta);
  real b = b_perp / cos(theta);
}
model {
  b_perp ~ normal(0, 5);
  sigma ~ normal(0, 2);
  y ~ normal_id_glm(X, b, [m]', sigma);
}
