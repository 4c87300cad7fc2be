"""The demo app's callback (make run): shows what the authorization server sent back."""
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def callback_demo(request):
    # Only echoes the query string (escaped by the template); nothing is exchanged or stored here.
    fields = {name: request.GET.get(name, "") for name in ("code", "state", "error", "error_description")}
    return render(request, "hostedui/callback_demo.html", fields)
