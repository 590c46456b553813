import express from "express"
import { Order } from "./models.mjs"

export const app = express()
app.use(express.json())

app.get("/orders", async (req, res) => {
    const orders = await Order.findAll()
    res.json(orders)
})

app.post("/orders", async (req, res) => {
    const order = await Order.create({ total: req.body.total, customer: req.body.customer })
    res.status(201).json({ id: order.id })
})

if (process.env.NODE_ENV !== "test") {
    app.listen(process.env.PORT ?? 3000)
}
