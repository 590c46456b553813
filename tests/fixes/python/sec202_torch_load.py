import torch
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/models")
async def upload_model(file: UploadFile):
    state = torch.load(file.file)
    return {"layers": len(state)}
