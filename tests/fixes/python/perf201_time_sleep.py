import asyncio
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/reports/{report_id}")
async def report(report_id: int):
    for _ in range(3):
        time.sleep(0.5)
    await asyncio.sleep(0)
    return {"id": report_id}
