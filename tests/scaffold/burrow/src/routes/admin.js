'use strict';

const Router = require('koa-router');

const router = new Router({ prefix: '/api/admin' });

async function requireToken(ctx, next) {
  if (ctx.get('Authorization') !== `Bearer ${process.env.ADMIN_TOKEN}`) {
    ctx.throw(401, 'unauthorized');
  }
  await next();
}

router.get('/stats', requireToken, async (ctx) => {
  ctx.body = { rabbits: 1 };
});

module.exports = router;
