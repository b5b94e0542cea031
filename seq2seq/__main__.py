from seq2seq.cli.main import main

raise SystemExit(main())
