"""Forms of the plain hosted sign-in pages."""
from django import forms


class SignInForm(forms.Form):
    username = forms.CharField(label="Username", max_length=128, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label="Password", max_length=256, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class NewPasswordForm(forms.Form):
    session = forms.CharField(widget=forms.HiddenInput, max_length=2048)
    username = forms.CharField(widget=forms.HiddenInput, max_length=128)
    new_password = forms.CharField(label="New password", max_length=256, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
