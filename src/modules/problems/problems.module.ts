import { Module } from '@nestjs/common';
import { ProblemsController } from './problems.controller';

/** Serves the problem type registry, so every problem `type` resolves to its documentation. */
@Module({ controllers: [ProblemsController] })
export class ProblemsModule {}
