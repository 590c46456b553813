from django.contrib.auth.decorators import login_required
from django.http import JsonResponse

from .models import Book


@login_required
def book_list(request):
    books = Book.objects.all()
    return JsonResponse({"books": [b.title for b in books]})


def book_detail(request, pk):
    book = Book.objects.get(pk=pk)
    return JsonResponse({"title": book.title, "isbn": book.isbn})
