import { Body, Controller, Get, Param, ParseIntPipe, Post, Put, UseGuards } from '@nestjs/common';

import { Public } from '../auth/public.decorator';
import { AdminGuard } from '../auth/admin.guard';
import { Cat, CatsService } from './cats.service';

@Public()
@Controller('cats')
export class CatsController {
  constructor(private readonly cats: CatsService) {}

  @Get()
  findAll(): Cat[] {
    return this.cats.findAll();
  }

  @Get(':id')
  findOne(@Param('id', ParseIntPipe) id: number): Cat {
    return this.cats.findOne(id);
  }

  @Post()
  create(@Body() body: Omit<Cat, 'id'>): Cat {
    return this.cats.create(body);
  }

  @Put(':id')
  update(@Param('id', ParseIntPipe) id: number, @Body() body: Partial<Cat>): Cat {
    return this.cats.update(id, body);
  }

  @Get('admin/stats')
  @UseGuards(AdminGuard)
  stats() {
    return { cats: this.cats.findAll().length };
  }
}
