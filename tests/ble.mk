# Issue 4: BLE GATT application against a python-dbusmock bluetoothd.
