'use strict';

const Pony = require('../models/pony');
const { AuthenticationError } = require('./errors');

const schema = `
  type Query {
    version: String!
  }

  type Mutation {
    feed(id: ID!): Boolean!
  }
`;

const resolvers = {
  Query: {
    version: async () => '1',
  },
  Mutation: {
    feed: async (_, { id }, context) => {
      if (!context.user) {
        throw new AuthenticationError();
      }
      const pony = await Pony.findByIdAndUpdate(id, { fedAt: new Date() });
      return pony !== null;
    },
  },
};

module.exports = { resolvers, schema };
