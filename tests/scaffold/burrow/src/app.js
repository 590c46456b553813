'use strict';

const Koa = require('koa');
const { bodyParser } = require('@koa/bodyparser');
const rabbits = require('./routes/rabbits');
const admin = require('./routes/admin');

const app = new Koa();
app.use(bodyParser());
app.use(rabbits.routes()).use(rabbits.allowedMethods());
app.use(admin.routes()).use(admin.allowedMethods());

module.exports = app;
