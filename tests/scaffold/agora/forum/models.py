from django.db import models


class Topic(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    pinned = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
