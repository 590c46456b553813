from django.http import JsonResponse

from .models import Book


def book_list(request):
    rows = []
    for b in Book.objects.filter(published=True):
        rows.append({"title": b.title, "author": b.author.name})
    return JsonResponse({"rows": rows})
