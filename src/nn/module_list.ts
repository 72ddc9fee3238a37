// ModuleList: children named "0", "1", ... so their checkpoint keys are `<list>.<i>.…` (torch.nn.ModuleList).
import { Module } from "./module";

export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: M[] = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: M): M {
    this.items.push(this.register_module(String(this.items.length), m));
    return m;
  }

  get size(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new RangeError(`ModuleList index ${i} is out of range (size ${this.items.length})`);
    return m;
  }

  toArray(): M[] {
    return this.items.slice();
  }
}
