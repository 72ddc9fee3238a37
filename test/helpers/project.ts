// A user's project, emulated without npm: a folder outside the repo whose node_modules holds `bertlab`
// (a link to this checkout, with its build) and, hoisted beside it as npm would put them, the packages
// bertlab depends on. Code run there — a notebook copied into it — resolves exactly what an installed
// bertlab offers, and nothing from the repo's devDependencies or test/ folder. (test/package_install.test.ts
// does the real thing: `npm pack`, then `npm install` of the tarball.)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

/** The packages npm installs with bertlab (dependencies, optional and peer), in this checkout's node_modules. */
export function runtime_dependencies(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.peerDependencies });
  return names.filter((n) => fs.existsSync(path.join(ROOT, "node_modules", n)));
}

/** Creates (under the OS temp dir, or in `dir`) a project folder with bertlab and its dependencies installed; returns its path. */
export function make_user_project(dir?: string): string {
  const project = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-user-project-"));
  const nm = path.join(project, "node_modules");
  fs.mkdirSync(nm, { recursive: true });
  fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "bertlab-user-project", private: true }, null, 2));
  for (const name of ["bertlab", ...runtime_dependencies()]) {
    const link = path.join(nm, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(name === "bertlab" ? ROOT : path.join(ROOT, "node_modules", name), link, "dir");
  }
  return project;
}

/** Copies `file` into `project` and returns the copy's path. */
export function copy_into(project: string, file: string): string {
  const to = path.join(project, path.basename(file));
  fs.copyFileSync(file, to);
  return to;
}
