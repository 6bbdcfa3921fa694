// The part of @micropython/micropython-webassembly-pyscript (MicroPython
// compiled to WebAssembly; the package ships no types) that the tests use.
declare module '@micropython/micropython-webassembly-pyscript' {
  export interface MicroPythonOptions {
    /** one call per line the interpreter prints (without the newline) */
    stdout?: (line: string) => void;
    stderr?: (line: string) => void;
    heapsize?: number;
  }

  /** Emscripten's in-memory filesystem, which MicroPython's open() and os use. */
  export interface EmscriptenFS {
    mkdirTree(path: string): void;
    writeFile(path: string, data: string | Uint8Array): void;
    readFile(path: string): Uint8Array;
    readdir(path: string): string[];
    stat(path: string): { mode: number; mtime: Date };
    isFile(mode: number): boolean;
  }

  export interface MicroPython {
    FS: EmscriptenFS;
    /** Runs statements; a Python exception is thrown as an Error named PythonError with the traceback as message. */
    runPython(code: string): unknown;
    /** Makes `import name` give a module whose attributes are the object's (functions are called synchronously). */
    registerJsModule(name: string, module: object): void;
    globals: { get(name: string): unknown };
  }

  export function loadMicroPython(options?: MicroPythonOptions): Promise<MicroPython>;
}
