import express from 'express'

import { requireUser } from './auth.js'

export const app = express()

app.use(express.json())

app.get('/rooms', requireUser, (req, res) => {
  res.json([{ id: 1, name: 'lobby' }])
})
