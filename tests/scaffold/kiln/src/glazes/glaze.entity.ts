import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity()
export class Glaze {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  name: string;

  @Column({ nullable: true })
  colour?: string;

  @Column('float', { default: 6 })
  cone: number;

  @Column({ default: false })
  foodSafe: boolean;

  @CreateDateColumn()
  createdAt: Date;
}
