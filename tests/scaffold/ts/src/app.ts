import express, { Request, Response } from "express";

import { listInvoices } from "./db";

export const app = express();
app.use(express.json());

app.get("/invoices", async (req: Request, res: Response) => {
  const invoices = await listInvoices();
  res.json(invoices);
});

app.post("/invoices", async (req: Request, res: Response) => {
  const { amount, customer } = req.body;
  res.status(201).json({ amount, customer });
});
