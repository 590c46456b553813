import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { Kiln } from './kiln.entity';
import { KilnsResolver } from './kilns.resolver';

@Module({
  imports: [TypeOrmModule.forFeature([Kiln])],
  providers: [KilnsResolver],
})
export class KilnsModule {}
