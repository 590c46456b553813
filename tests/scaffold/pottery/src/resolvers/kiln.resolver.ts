import { Arg, Authorized, ID, Int, Mutation, Query, Resolver } from 'type-graphql';

import { AppDataSource } from '../data-source';
import { Kiln } from '../entities/kiln';

@Resolver(() => Kiln)
export class KilnResolver {
  private readonly kilns = AppDataSource.getRepository(Kiln);

  @Query(() => Kiln, { nullable: true })
  kiln(@Arg('id', () => ID) id: string): Promise<Kiln | null> {
    return this.kilns.findOneBy({ id: Number(id) });
  }

  @Mutation(() => Kiln)
  @Authorized()
  createKiln(@Arg('name') name: string, @Arg('maxTemperature', () => Int) maxTemperature: number): Promise<Kiln> {
    return this.kilns.save(this.kilns.create({ name, maxTemperature }));
  }
}
