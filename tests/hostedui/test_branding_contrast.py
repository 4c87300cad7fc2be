"""The console warns when a branding's colours fall below WCAG AA; the default palette passes in both modes."""
from __future__ import annotations

import pytest

from hostedui import branding, contrast
from hostedui.models import UICustomization
from identity.context import SYSTEM
from tests import factories
from tests.admin.conftest import _two_factor_optional, admin_url, console, messages_of, operator  # noqa: F401


def test_the_known_ratios():
    assert contrast.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast.contrast_ratio("#fff", "#ffffff") == pytest.approx(1.0)


def test_the_default_palette_is_aa_in_both_modes():
    assert contrast.contrast_problems(branding.Layers(None, None)) == []


@pytest.mark.django_db
def test_a_pale_button_is_reported_in_the_modes_it_shows():
    pool = factories.create_pool()
    branding.set_ui_customization(pool=pool, settings={"primary_color": "#ffeb3b", "mode": "light"}, context=SYSTEM)
    problems = contrast.contrast_problems(branding.load_layers(pool, None))
    assert any(p.startswith("light mode: button text (#ffffff on #ffeb3b)") for p in problems)
    assert any(p.startswith("light mode: links") for p in problems)
    assert not any(p.startswith("dark mode") for p in problems)


def test_the_console_saves_and_warns_about_low_contrast(console, pool):
    response = console.post(admin_url("hostedui_uicustomization_add"), {"pool": pool.pk, "mode": "dark", "dark_text_color": "#222222"}, follow=True)
    assert response.status_code == 200 and UICustomization.objects.filter(pool=pool, client=None).exists()
    warnings = [text for text in messages_of(response) if text.startswith("Low contrast:")]
    assert warnings and all("dark mode" in text for text in warnings)
    assert any("text (#222222 on #111827)" in text for text in warnings)
