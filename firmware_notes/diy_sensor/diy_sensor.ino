/*
  repscope open DIY profile v1 -- reference firmware
  ==================================================

  Board:      Seeed Studio XIAO nRF52840 Sense (on-board LSM6DS3TR-C IMU, I2C address 0x6A)
  Core:       "Seeed nRF52 mbed-enabled Boards" (Arduino IDE board manager)
  Libraries:  ArduinoBLE (Arduino, >= 1.3)
              Seeed Arduino LSM6DS3 (Seeed Studio, >= 2.0; header LSM6DS3.h)

  Specification: ../diy-open-profile.md. Test vectors: test_vectors.json.
  This sketch is a reference, not compiled by repscope's test suite: read it with the
  specification open, and check your packets against the test vectors.

  What it does
  - Advertises "repscope-diy" with the profile's service UUID.
  - On a start command (control characteristic), configures the IMU and samples it on a
    fixed schedule (micros()), packing as many samples per notification as fit in
    PAYLOAD_BYTES, but never more than 50 ms of data.
  - Every notification carries a sequence number and the scheduled time (us) of its first
    sample, plus the sample period when it holds more than one sample.
  - The config characteristic is readable and is notified after every command.

  Porting to an ESP32-S3 + ICM-42688: replace the three imu*() functions below (keep the
  units: g and deg/s as floats); the profile code does not change. On ESP32 use the
  NimBLE-Arduino library for BLE and raise PAYLOAD_BYTES after the MTU exchange.
*/

#include <ArduinoBLE.h>
#include <LSM6DS3.h>
#include <Wire.h>

// ------------------------------------------------------------------ profile constants
#define SERVICE_UUID "caaf0001-8278-422f-94a3-25f387ae4527"
#define DATA_UUID    "caaf0002-8278-422f-94a3-25f387ae4527"
#define CONFIG_UUID  "caaf0003-8278-422f-94a3-25f387ae4527"
#define CONTROL_UUID "caaf0004-8278-422f-94a3-25f387ae4527"

static const uint8_t PROFILE_VERSION = 1;
static const uint8_t FW_MAJOR = 1, FW_MINOR = 0, FW_PATCH = 0;

static const uint8_t FLAG_GYRO = 0x01;
static const uint8_t FLAG_PERIOD = 0x40;
static const uint8_t OP_START = 0x01;
static const uint8_t OP_STOP = 0x02;

// Payload bytes per notification. 20 is safe with any central (MTU 23). ArduinoBLE on
// mbed answers MTU requests but does not tell the sketch the result; if your central
// negotiates MTU 247 (most phones and BlueZ do), set this to 244 to pack up to 19
// acc+gyro samples per notification.
static const uint16_t PAYLOAD_BYTES = 20;
static const uint32_t MAX_PACKET_SPAN_US = 50000;  // latency bound: 50 ms of data

static const uint16_t RATES_HZ[] = {25, 50, 100, 200, 400};
static const uint16_t ACC_RANGES_G[] = {2, 4, 8, 16};                  // code = index
static const uint16_t GYR_RANGES_DPS[] = {125, 250, 500, 1000, 2000};  // code = index (4000 unsupported here)

// ------------------------------------------------------------------ BLE objects
BLEService service(SERVICE_UUID);
BLECharacteristic dataChar(DATA_UUID, BLENotify, 244);
BLECharacteristic configChar(CONFIG_UUID, BLERead | BLENotify, 14, true);
BLECharacteristic controlChar(CONTROL_UUID, BLEWrite | BLEWriteWithoutResponse, 8);

LSM6DS3 imu(I2C_MODE, 0x6A);

// ------------------------------------------------------------------ state
static bool streaming = false;
static bool gyroEnabled = true;
static uint16_t rateHz = 100;
static uint16_t accRangeG = 16;
static uint16_t gyrRangeDps = 2000;
static uint32_t periodUs = 10000;
static uint32_t nextSampleUs = 0;
static uint16_t seq = 0;

static uint8_t packet[244];
static uint16_t packetLen = 0;
static uint8_t samplesInPacket = 0;
static uint32_t firstSampleUs = 0;

// ------------------------------------------------------------------ little-endian helpers
static void put16(uint8_t *p, uint16_t v) { p[0] = v & 0xFF; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) {
  p[0] = v & 0xFF; p[1] = (v >> 8) & 0xFF; p[2] = (v >> 16) & 0xFF; p[3] = v >> 24;
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)p[0] | ((uint16_t)p[1] << 8); }

static uint8_t indexOf(const uint16_t *table, uint8_t n, uint16_t value) {
  for (uint8_t i = 0; i < n; i++) if (table[i] == value) return i;
  return 0;
}

// Nearest supported value; ties go to the smaller one (matches repscope's emulator).
static uint16_t nearest(const uint16_t *table, uint8_t n, uint16_t value) {
  uint16_t best = table[0];
  for (uint8_t i = 1; i < n; i++) {
    if (abs((int32_t)table[i] - (int32_t)value) < abs((int32_t)best - (int32_t)value)) best = table[i];
  }
  return best;
}

// Physical value -> profile count: c = round(v / range * 32768), saturated to int16.
static int16_t toCounts(float value, float range) {
  float c = roundf(value / range * 32768.0f);
  if (c > 32767.0f) return 32767;
  if (c < -32768.0f) return -32768;
  return (int16_t)c;
}

static uint8_t sampleBytes() { return gyroEnabled ? 12 : 6; }

// Samples one notification may hold: by payload size (period field needed when > 1) and
// by the 50 ms latency bound.
static uint8_t maxSamplesPerPacket() {
  uint8_t size = sampleBytes();
  uint16_t many = (PAYLOAD_BYTES - 10) / size;
  uint16_t byMtu = many >= 2 ? many : 1;
  uint32_t byLatency = (MAX_PACKET_SPAN_US + periodUs - 1) / periodUs;
  if (byLatency < 1) byLatency = 1;
  return (uint8_t)min((uint32_t)byMtu, byLatency);
}

// ------------------------------------------------------------------ IMU (chip specific)
// Chip ODR at least twice the output rate; the chip's digital low-pass limits aliasing.
static uint16_t chipOdrFor(uint16_t rate) {
  if (rate <= 50) return 104;
  if (rate <= 100) return 208;
  if (rate <= 200) return 416;
  return 833;
}

static bool imuConfigure() {
  imu.settings.accelEnabled = 1;
  imu.settings.accelRange = accRangeG;              // 2, 4, 8, 16 g
  imu.settings.accelSampleRate = chipOdrFor(rateHz);
  imu.settings.gyroEnabled = gyroEnabled ? 1 : 0;
  // The LSM6DS3 has 245 deg/s where the profile says 250: declare 250, use 245.
  imu.settings.gyroRange = gyrRangeDps == 250 ? 245 : gyrRangeDps;
  imu.settings.gyroSampleRate = chipOdrFor(rateHz);
  return imu.begin() == 0;
}

static void imuRead(float acc_g[3], float gyr_dps[3]) {
  acc_g[0] = imu.readFloatAccelX();
  acc_g[1] = imu.readFloatAccelY();
  acc_g[2] = imu.readFloatAccelZ();
  if (gyroEnabled) {
    gyr_dps[0] = imu.readFloatGyroX();
    gyr_dps[1] = imu.readFloatGyroY();
    gyr_dps[2] = imu.readFloatGyroZ();
  }
}

// ------------------------------------------------------------------ profile encoding
static void publishConfig() {
  uint8_t v[14];
  v[0] = PROFILE_VERSION;
  v[1] = (streaming ? 0x01 : 0) | 0x02 /* gyro fitted */ | (gyroEnabled ? 0x04 : 0);
  put16(v + 2, accRangeG);
  put16(v + 4, gyroEnabled ? gyrRangeDps : 0);
  float rate = (float)rateHz;
  memcpy(v + 6, &rate, 4);  // IEEE 754, little-endian on the nRF52840
  v[10] = FW_MAJOR; v[11] = FW_MINOR; v[12] = FW_PATCH;
  v[13] = maxSamplesPerPacket();
  configChar.writeValue(v, sizeof(v));  // updates the readable value and notifies
}

static uint8_t flagsByte(bool withPeriod) {
  uint8_t flags = indexOf(ACC_RANGES_G, 4, accRangeG) << 1;
  if (gyroEnabled) flags |= FLAG_GYRO | (indexOf(GYR_RANGES_DPS, 5, gyrRangeDps) << 3);
  if (withPeriod) flags |= FLAG_PERIOD;
  return flags;
}

// Samples are staged after a 10-byte header; send() closes the gap when the period field
// is not needed (a single sample), so the layout is exactly the specification's.
static void sendPacket() {
  if (samplesInPacket == 0) return;
  bool withPeriod = samplesInPacket > 1;
  uint16_t bodyLen = samplesInPacket * sampleBytes();
  uint8_t out[244];
  out[0] = PROFILE_VERSION;
  out[1] = flagsByte(withPeriod);
  put16(out + 2, seq);
  put32(out + 4, firstSampleUs);
  uint16_t offset = 8;
  if (withPeriod) { put16(out + 8, (uint16_t)periodUs); offset = 10; }
  memcpy(out + offset, packet + 10, bodyLen);
  dataChar.writeValue(out, offset + bodyLen);  // may fail when the stack is busy:
  seq++;                                       // the client then counts it as lost
  samplesInPacket = 0;
  packetLen = 10;
}

static void addSample(uint32_t scheduledUs, const float acc_g[3], const float gyr_dps[3]) {
  if (samplesInPacket == 0) firstSampleUs = scheduledUs;
  uint8_t *p = packet + packetLen;
  for (int i = 0; i < 3; i++) put16(p + 2 * i, (uint16_t)toCounts(acc_g[i], accRangeG));
  if (gyroEnabled) {
    for (int i = 0; i < 3; i++) put16(p + 6 + 2 * i, (uint16_t)toCounts(gyr_dps[i], gyrRangeDps));
  }
  packetLen += sampleBytes();
  samplesInPacket++;
  if (samplesInPacket >= maxSamplesPerPacket()) sendPacket();
}

// ------------------------------------------------------------------ commands
static void onControlWritten(BLEDevice, BLECharacteristic characteristic) {
  const uint8_t *v = characteristic.value();
  int n = characteristic.valueLength();
  if (n >= 1 && v[0] == OP_STOP) {
    sendPacket();
    streaming = false;
  } else if (n >= 6 && v[0] == OP_START) {
    uint16_t rate = get16(v + 1), acc = v[3], gyr = get16(v + 4);
    rateHz = rate ? nearest(RATES_HZ, 5, rate) : 100;
    accRangeG = acc ? nearest(ACC_RANGES_G, 4, acc) : 16;
    gyroEnabled = gyr != 0;
    if (gyroEnabled) gyrRangeDps = nearest(GYR_RANGES_DPS, 5, gyr);
    periodUs = 1000000UL / rateHz;
    imuConfigure();
    samplesInPacket = 0;
    packetLen = 10;
    nextSampleUs = micros() + periodUs;
    streaming = true;
  } else {
    return;  // unknown command: ignore, do not change state
  }
  publishConfig();
}

// ------------------------------------------------------------------ setup / loop
void setup() {
  Serial.begin(115200);
  if (!imuConfigure()) {
    Serial.println("LSM6DS3 not found");
  }
  if (!BLE.begin()) {
    Serial.println("BLE init failed");
    while (true) delay(1000);
  }
  BLE.setLocalName("repscope-diy");
  BLE.setDeviceName("repscope-diy");
  BLE.setAdvertisedService(service);
  service.addCharacteristic(dataChar);
  service.addCharacteristic(configChar);
  service.addCharacteristic(controlChar);
  BLE.addService(service);
  controlChar.setEventHandler(BLEWritten, onControlWritten);
  packetLen = 10;
  publishConfig();
  BLE.advertise();
}

void loop() {
  BLE.poll();
  BLEDevice central = BLE.central();
  if (!central || !central.connected()) {
    if (streaming) { streaming = false; samplesInPacket = 0; packetLen = 10; }
    return;
  }
  if (!streaming) return;
  uint32_t now = micros();
  if ((int32_t)(now - nextSampleUs) < 0) return;
  if ((int32_t)(now - nextSampleUs) > (int32_t)(2 * periodUs)) {
    // Fell behind (radio busy): close the packet so timestamps stay exact, and restart
    // the schedule. The client sees a gap in device time, not wrong times.
    sendPacket();
    nextSampleUs = now;
  }
  float acc[3], gyr[3] = {0, 0, 0};
  imuRead(acc, gyr);
  addSample(nextSampleUs, acc, gyr);
  nextSampleUs += periodUs;
}
