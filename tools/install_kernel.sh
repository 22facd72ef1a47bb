#!/bin/sh
# Registers the tslab TypeScript kernel for this checkout only, under .jupyter/ (gitignored), never globally.
#
#   npm run kernel:install
#   JUPYTER_PATH="$PWD/.jupyter/share/jupyter" jupyter notebook notebooks/
#
# The kernel starts in the project root, so notebooks import the library as './src/...' (tslab compiles only
# files under its working directory; README "Notebooks"). The root is computed from the kernelspec's
# own folder ({resource_dir} = ROOT/.jupyter/share/jupyter/kernels/tract-tslab) when the kernel starts, so a
# moved or copied checkout keeps working without reinstalling.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd -P)
name=tract-tslab
dir="$root/.jupyter/share/jupyter/kernels/$name"
if [ ! -x "$root/node_modules/.bin/tslab" ]; then
  echo "install_kernel: $root/node_modules/.bin/tslab not found (run npm install first)" >&2
  exit 1
fi
mkdir -p "$dir"
# $0 = the connection file, $1 = the kernelspec folder (jupyter_client substitutes both).
cat > "$dir/kernel.json.tmp" <<'JSON'
{
 "argv": [
  "/bin/sh",
  "-c",
  "root=$(cd \"$1/../../../../..\" && pwd -P) && cd \"$root\" && exec \"$root/node_modules/.bin/tslab\" kernel --config-path \"$0\"",
  "{connection_file}",
  "{resource_dir}"
 ],
 "display_name": "TypeScript (tract, tslab)",
 "language": "typescript",
 "metadata": { "note": "written by tools/install_kernel.sh; starts tslab in the project root" }
}
JSON
mv "$dir/kernel.json.tmp" "$dir/kernel.json"
echo "kernel '$name' installed in $dir (use JUPYTER_PATH=$root/.jupyter/share/jupyter)"
