import UpxCore

