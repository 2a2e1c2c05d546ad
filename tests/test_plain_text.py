"""Labels and explanations as plain Unicode, for spreadsheet cells."""

import pytest

from generator.plain_text import plain_text


@pytest.mark.parametrize("markdown, text", [
    ("$\\sigma^2$ (variance)", "σ² (variance)"),
    ("Параметри на $W_1$", "Параметри на W₁"),
    ("$\\hat{x}$ (нормализиран изход)", "x̂ (нормализиран изход)"),
    ("$x - \\mu$", "x − μ"),
    ("$W_O$, $L_\\text{train} / L_\\text{target} < 1$", "W_O, L_train / L_target < 1"),
    ("$d_{\\text{model}}$", "d_model"),
    ("$\\sum x_i$, $2^{20}$ байта", "∑ xᵢ, 2²⁰ байта"),
    ("$\\frac{n(n+1)}{2}$", "(n(n+1))/2"),
    ("$4 \\cdot d^2$ and $e^{-x}$", "4 · d² and e^(−x)"),
    ("**bold** and `code` and \\_", "bold and code and _"),
])
def test_math_becomes_unicode_text(markdown, text):
    assert plain_text(markdown) == text
