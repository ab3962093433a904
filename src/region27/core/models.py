"""No models: core holds shared helpers; this module lets post_migrate reach CoreConfig."""
