// Varying intercepts and slopes by group, non-centred.
data {
  int<lower=0> N;
  int<lower=1> J;
  array[N] int<lower=1, upper=J> group_idx;
  vector[N] x;
  vector[N] y;
}
parameters {
  real mu_a;
  real mu_b;
  real<lower=0> sigma_a;
  real<lower=0> sigma_b;
  real<lower=0> sigma;
  vector[J] a_z;
  vector[J] b_z;
}
transformed parameters {
  vector[J] a = mu_a + sigma_a * a_z;
  vector[J] b = mu_b + sigma_b * b_z;
}
model {
  mu_a ~ normal(0, 5);
  mu_b ~ normal(0, 5);
  sigma_a ~ normal(0, 2);
  sigma_b ~ normal(0, 2);
  sigma ~ normal(0, 2);
  a_z ~ std_normal();
  b_z ~ std_normal();
  y ~ normal(a[group_idx] + b[group_idx] .* x, sigma);
}
