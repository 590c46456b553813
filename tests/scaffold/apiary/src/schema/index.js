import { GraphQLError } from 'graphql';

import { isAuthenticated } from '../auth.js';
import Hive from '../models/hive.js';

export const typeDefs = /* GraphQL */ `
  type Query {
    version: String!
  }

  type Mutation {
    inspect(id: ID!): Boolean!
  }
`;

export const resolvers = {
  Query: {
    version: () => '1',
  },
  Mutation: {
    inspect: async (_, { id }, { user }) => {
      if (!isAuthenticated(user)) {
        throw new GraphQLError('sign in first', { extensions: { code: 'UNAUTHENTICATED' } });
      }
      const hive = await Hive.findByIdAndUpdate(id, { inspectedAt: new Date() });
      return hive !== null;
    },
  },
};
