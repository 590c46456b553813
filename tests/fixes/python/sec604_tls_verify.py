import requests


def fetch_rates(session_token: str) -> dict:
    response = requests.get(
        "https://rates.internal.example.com/v1/eur",
        headers={"Authorization": f"Bearer {session_token}"},
        verify=False,
        timeout=10,
    )
    return response.json()
