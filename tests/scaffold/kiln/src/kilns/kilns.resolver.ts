import { UseGuards } from '@nestjs/common';
import { Args, ID, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { GqlAuthGuard } from '../auth/gql-auth.guard';
import { Kiln } from './kiln.entity';

@Resolver(() => Kiln)
export class KilnsResolver {
  constructor(@InjectRepository(Kiln) private readonly kilns: Repository<Kiln>) {}

  @Query(() => Kiln, { nullable: true })
  kiln(@Args('id', { type: () => ID }) id: string): Promise<Kiln | null> {
    return this.kilns.findOneBy({ id: Number(id) });
  }

  @Mutation(() => Kiln)
  @UseGuards(GqlAuthGuard)
  createKiln(
    @Args('name') name: string,
    @Args('maxTemperature', { type: () => Int }) maxTemperature: number,
  ): Promise<Kiln> {
    return this.kilns.save(this.kilns.create({ name, maxTemperature }));
  }
}
