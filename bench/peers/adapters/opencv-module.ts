// OpenCV.js, imported statically here and handed out in a box. Its module object is a thenable that resolves to
// itself (Emscripten), and a bundler copies that `then` onto the namespace of `import('@techstark/opencv-js')`, so
// awaiting that import never ends; awaiting the import of this module (which exports only the box) is safe.
import cvModule from '@techstark/opencv-js';

export const opencv = { module: cvModule as unknown };
