import { Injectable, NotFoundException } from '@nestjs/common';

export interface Cat {
  id: number;
  name: string;
  breed: string;
}

@Injectable()
export class CatsService {
  private readonly cats = new Map<number, Cat>([[1, { id: 1, name: 'Tom', breed: 'tabby' }]]);
  private nextId = 2;

  findAll(): Cat[] {
    return [...this.cats.values()];
  }

  findOne(id: number): Cat {
    const cat = this.cats.get(id);
    if (!cat) {
      throw new NotFoundException();
    }
    return cat;
  }

  create(data: Omit<Cat, 'id'>): Cat {
    const cat = { id: this.nextId++, ...data };
    this.cats.set(cat.id, cat);
    return cat;
  }

  update(id: number, data: Partial<Cat>): Cat {
    const cat = this.findOne(id);
    Object.assign(cat, data, { id });
    return cat;
  }
}
