import requests


def exchange_rate(currency):
    response = requests.get("https://rates.example.com/v1/" + currency)
    response.raise_for_status()
    return response.json()["rate"]


def post_audit(event):
    session = requests.Session()
    return session.post("https://audit.example.com/events", json=event)
