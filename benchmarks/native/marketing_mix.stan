// Marketing mix: geometric adstock over L lags, tanh saturation, trend, control and
// yearly seasonality (F Fourier terms).
data {
  int<lower=1> N;  // weeks
  int<lower=1> C;  // channels
  int<lower=1> L;  // lags
  int<lower=1> F;  // Fourier terms
  array[C] matrix[N, L] spend_lagged;
  vector[N] trend;
  vector[N] control;
  matrix[N, F] fourier;
  vector[N] sales;
}
transformed data {
  row_vector[L] lag = linspaced_row_vector(L, 0, L - 1);
}
parameters {
  vector<lower=0, upper=1>[C] alpha;
  vector<lower=0>[C] lam;
  vector<lower=0>[C] beta;
  real intercept;
  real trend_slope;
  real gamma;
  vector[F] delta;
  real<lower=0> sigma;
}
transformed parameters {
  matrix[C, L] adstock_weight;
  matrix[N, C] contribution;
  for (c in 1:C) {
    row_vector[L] decay = pow(alpha[c], lag);
    adstock_weight[c] = decay / sum(decay);
    contribution[:, c] = beta[c] * tanh(lam[c] * (spend_lagged[c] * adstock_weight[c]') / 2);
  }
}
model {
  alpha ~ beta(3, 3);
  lam ~ gamma(3, 1);
  beta ~ normal(0, 2);
  intercept ~ normal(0, 2);
  trend_slope ~ std_normal();
  gamma ~ std_normal();
  delta ~ normal(0, 0.5);
  sigma ~ normal(0, 1);
  sales ~ normal_id_glm(fourier, intercept + trend_slope * trend + gamma * control
                                 + contribution * rep_vector(1, C), delta, sigma);
}
