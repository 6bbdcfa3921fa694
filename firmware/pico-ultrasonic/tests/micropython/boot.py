# Runs before main.py, as boot.py does on a Pico, for the end-to-end run on
# MicroPython-wasm: plays the scene (../e2e/scene.py) on the fakes, and gives
# the shipped config.py the scene's faster timings (main.py's `import config`
# then finds this same module).
import config
import scene

for name, value in scene.CONFIG.items():
    setattr(config, name, value)
scene.play()
