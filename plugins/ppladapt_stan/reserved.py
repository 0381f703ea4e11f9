"""Identifiers a generated Stan program must not use for a site, data or size name.

Stan's reserved words (a name that is one of these does not parse), and the names of
Stan's built-in functions and distributions (stanc 2.35's ``--dump-stan-math-signatures``,
with each distribution's base name). stanc lets a variable shadow a function, but a
program that calls ``exp(...)`` next to a variable called ``exp`` is hard to read and
easy to break, so such names are renamed too (see `ppladapt_stan.names`).
"""

from __future__ import annotations

KEYWORDS = frozenset(
    """
    for in while repeat until if then else true false target functions model data
    parameters quantities transformed generated profile return break continue void int
    real complex vector row_vector matrix complex_vector complex_row_vector complex_matrix
    array tuple simplex ordered positive_ordered unit_vector sum_to_zero_vector
    cholesky_factor_corr cholesky_factor_cov corr_matrix cov_matrix
    column_stochastic_matrix row_stochastic_matrix lower upper offset multiplier print
    reject fatal_error var fvar auto jacobian lp__ get_lp increment_log_prob
    STAN_MAJOR STAN_MINOR STAN_PATCH STAN_MATH_MAJOR STAN_MATH_MINOR STAN_MATH_PATCH
    """.split()
)

FUNCTIONS = frozenset(
    """
    Phi Phi_approx abs acos acosh add add_diag algebra_solver algebra_solver_newton
    append_array append_col append_row arg asin asinh atan atan2 atanh bernoulli
    bernoulli_cdf bernoulli_lccdf bernoulli_lcdf bernoulli_logit bernoulli_logit_glm
    bernoulli_logit_glm_lpmf bernoulli_logit_glm_rng bernoulli_logit_lpmf
    bernoulli_logit_rng bernoulli_lpmf bernoulli_rng bessel_first_kind
    bessel_second_kind beta beta_binomial beta_binomial_cdf beta_binomial_lccdf
    beta_binomial_lcdf beta_binomial_lpmf beta_binomial_rng beta_cdf beta_lccdf
    beta_lcdf beta_lpdf beta_proportion beta_proportion_lccdf beta_proportion_lcdf
    beta_proportion_lpdf beta_proportion_rng beta_rng binary_log_loss binomial
    binomial_cdf binomial_lccdf binomial_lcdf binomial_logit binomial_logit_glm
    binomial_logit_glm_lpmf binomial_logit_lpmf binomial_lpmf binomial_rng block
    categorical categorical_logit categorical_logit_glm categorical_logit_glm_lpmf
    categorical_logit_lpmf categorical_logit_rng categorical_lpmf categorical_rng cauchy
    cauchy_cdf cauchy_lccdf cauchy_lcdf cauchy_lpdf cauchy_rng cbrt ceil chi_square
    chi_square_cdf chi_square_lccdf chi_square_lcdf chi_square_lpdf chi_square_rng
    chol2inv cholesky_decompose choose col cols columns_dot_product columns_dot_self
    complex_schur_decompose complex_schur_decompose_t complex_schur_decompose_u conj cos
    cosh crossprod csr_extract csr_extract_u csr_extract_v csr_extract_w
    csr_matrix_times_vector csr_to_dense_matrix cumulative_sum determinant diag_matrix
    diag_post_multiply diag_pre_multiply diagonal digamma dims dirichlet dirichlet_lpdf
    dirichlet_multinomial dirichlet_multinomial_lpmf dirichlet_multinomial_rng
    dirichlet_rng discrete_range discrete_range_cdf discrete_range_lccdf
    discrete_range_lcdf discrete_range_lpmf discrete_range_rng distance divide
    dot_product dot_self double_exponential double_exponential_cdf
    double_exponential_lccdf double_exponential_lcdf double_exponential_lpdf
    double_exponential_rng e eigendecompose eigendecompose_sym eigenvalues
    eigenvalues_sym eigenvectors eigenvectors_sym elt_divide elt_multiply erf erfc exp
    exp2 exp_mod_normal exp_mod_normal_cdf exp_mod_normal_lccdf exp_mod_normal_lcdf
    exp_mod_normal_lpdf exp_mod_normal_rng expm1 exponential exponential_cdf
    exponential_lccdf exponential_lcdf exponential_lpdf exponential_rng
    falling_factorial fdim fft fft2 floor fma fmax fmin fmod frechet frechet_cdf
    frechet_lccdf frechet_lcdf frechet_lpdf frechet_rng gamma gamma_cdf gamma_lccdf
    gamma_lcdf gamma_lpdf gamma_p gamma_q gamma_rng gaussian_dlm_obs
    gaussian_dlm_obs_lpdf generalized_inverse get_imag get_real gp_dot_prod_cov
    gp_exp_quad_cov gp_exponential_cov gp_matern32_cov gp_matern52_cov gp_periodic_cov
    gumbel gumbel_cdf gumbel_lccdf gumbel_lcdf gumbel_lpdf gumbel_rng head
    hmm_hidden_state_prob hmm_latent hmm_latent_rng hmm_marginal hypergeometric
    hypergeometric_lpmf hypergeometric_rng hypot identity_matrix inc_beta int_step
    integrate_1d integrate_ode integrate_ode_adams integrate_ode_bdf integrate_ode_rk45
    inv inv_Phi inv_chi_square inv_chi_square_cdf inv_chi_square_lccdf
    inv_chi_square_lcdf inv_chi_square_lpdf inv_chi_square_rng inv_cloglog inv_erfc
    inv_fft inv_fft2 inv_gamma inv_gamma_cdf inv_gamma_lccdf inv_gamma_lcdf
    inv_gamma_lpdf inv_gamma_rng inv_inc_beta inv_logit inv_sqrt inv_square inv_wishart
    inv_wishart_cholesky inv_wishart_cholesky_lpdf inv_wishart_cholesky_rng
    inv_wishart_lpdf inv_wishart_rng inverse inverse_spd is_inf is_nan lambert_w0
    lambert_wm1 lbeta lchoose ldexp lgamma linspaced_array linspaced_int_array
    linspaced_row_vector linspaced_vector lkj_corr lkj_corr_cholesky
    lkj_corr_cholesky_lpdf lkj_corr_cholesky_rng lkj_corr_lpdf lkj_corr_rng lkj_cov
    lkj_cov_lpdf lmgamma lmultiply log log10 log1m log1m_exp log1m_inv_logit log1p
    log1p_exp log2 log_determinant log_determinant_spd log_diff_exp
    log_falling_factorial log_inv_logit log_inv_logit_diff log_mix
    log_modified_bessel_first_kind log_rising_factorial log_softmax log_sum_exp
    logical_and logical_eq logical_gt logical_gte logical_lt logical_lte
    logical_negation logical_neq logical_or logistic logistic_cdf logistic_lccdf
    logistic_lcdf logistic_lpdf logistic_rng logit loglogistic loglogistic_cdf
    loglogistic_lpdf loglogistic_rng lognormal lognormal_cdf lognormal_lccdf
    lognormal_lcdf lognormal_lpdf lognormal_rng machine_precision map_rect matrix_exp
    matrix_exp_multiply matrix_power max mdivide_left mdivide_left_spd
    mdivide_left_tri_low mdivide_right mdivide_right_spd mdivide_right_tri_low mean min
    minus modified_bessel_first_kind modified_bessel_second_kind modulus multi_gp
    multi_gp_cholesky multi_gp_cholesky_lpdf multi_gp_lpdf multi_normal
    multi_normal_cholesky multi_normal_cholesky_lpdf multi_normal_cholesky_rng
    multi_normal_lpdf multi_normal_prec multi_normal_prec_lpdf multi_normal_rng
    multi_student_t multi_student_t_cholesky multi_student_t_cholesky_lpdf
    multi_student_t_cholesky_rng multi_student_t_lpdf multi_student_t_rng multinomial
    multinomial_logit multinomial_logit_lpmf multinomial_logit_rng multinomial_lpmf
    multinomial_rng multiply multiply_lower_tri_self_transpose neg_binomial
    neg_binomial_2 neg_binomial_2_cdf neg_binomial_2_lccdf neg_binomial_2_lcdf
    neg_binomial_2_log neg_binomial_2_log_glm neg_binomial_2_log_glm_lpmf
    neg_binomial_2_log_lpmf neg_binomial_2_log_rng neg_binomial_2_lpmf
    neg_binomial_2_rng neg_binomial_cdf neg_binomial_lccdf neg_binomial_lcdf
    neg_binomial_lpmf neg_binomial_rng negative_infinity norm norm1 norm2 normal
    normal_cdf normal_id_glm normal_id_glm_lpdf normal_lccdf normal_lcdf normal_lpdf
    normal_rng not_a_number num_elements one_hot_array one_hot_int_array
    one_hot_row_vector one_hot_vector ones_array ones_int_array ones_row_vector
    ones_vector ordered_logistic ordered_logistic_glm ordered_logistic_glm_lpmf
    ordered_logistic_lpmf ordered_logistic_rng ordered_probit ordered_probit_lpmf
    ordered_probit_rng owens_t pareto pareto_cdf pareto_lccdf pareto_lcdf pareto_lpdf
    pareto_rng pareto_type_2 pareto_type_2_cdf pareto_type_2_lccdf pareto_type_2_lcdf
    pareto_type_2_lpdf pareto_type_2_rng pi plus poisson poisson_cdf poisson_lccdf
    poisson_lcdf poisson_log poisson_log_glm poisson_log_glm_lpmf poisson_log_lpmf
    poisson_log_rng poisson_lpmf poisson_rng polar positive_infinity pow prod proj qr
    qr_Q qr_R qr_thin qr_thin_Q qr_thin_R quad_form quad_form_diag quad_form_sym
    quantile rank rayleigh rayleigh_cdf rayleigh_lccdf rayleigh_lcdf rayleigh_lpdf
    rayleigh_rng rep_array rep_matrix rep_row_vector rep_vector reverse rising_factorial
    round row rows rows_dot_product rows_dot_self scale_matrix_exp_multiply
    scaled_inv_chi_square scaled_inv_chi_square_cdf scaled_inv_chi_square_lccdf
    scaled_inv_chi_square_lcdf scaled_inv_chi_square_lpdf scaled_inv_chi_square_rng sd
    segment sin singular_values sinh size skew_double_exponential
    skew_double_exponential_cdf skew_double_exponential_lccdf
    skew_double_exponential_lcdf skew_double_exponential_lpdf
    skew_double_exponential_rng skew_normal skew_normal_cdf skew_normal_lccdf
    skew_normal_lcdf skew_normal_lpdf skew_normal_rng softmax sort_asc sort_desc
    sort_indices_asc sort_indices_desc sqrt sqrt2 square squared_distance std_normal
    std_normal_cdf std_normal_lccdf std_normal_lcdf std_normal_log_qf std_normal_lpdf
    std_normal_qf std_normal_rng step student_t student_t_cdf student_t_lccdf
    student_t_lcdf student_t_lpdf student_t_rng sub_col sub_row subtract sum svd svd_U
    svd_V symmetrize_from_lower_tri tail tan tanh tcrossprod tgamma to_array_1d
    to_array_2d to_complex to_int to_matrix to_row_vector to_vector trace
    trace_gen_quad_form trace_quad_form transpose trigamma trunc uniform uniform_cdf
    uniform_lccdf uniform_lcdf uniform_lpdf uniform_rng uniform_simplex variance
    von_mises von_mises_cdf von_mises_lccdf von_mises_lcdf von_mises_lpdf von_mises_rng
    weibull weibull_cdf weibull_lccdf weibull_lcdf weibull_lpdf weibull_rng wiener
    wiener_lpdf wishart wishart_cholesky wishart_cholesky_lpdf wishart_cholesky_rng
    wishart_lpdf wishart_rng zeros_array zeros_int_array zeros_row_vector zeros_vector
    """.split()
)

RESERVED = KEYWORDS | FUNCTIONS
