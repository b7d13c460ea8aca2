from sb3gen.cli import main

raise SystemExit(main())
