// EXAMPLE robot side of the sarlab wire protocol (docs/robot-protocol.md), version 1.
// Two reflex light sensors, PRED_COLS predictor light sensors in one row ahead, two motors.
// Free-running: sends one SENSORS frame per control period, applies the latest MOTOR command.
// Adapt the pins, PWM scaling and geometry to your robot. Not tested as part of sarlab.

#include <Arduino.h>

const uint8_t REFLEX_LEFT = A0, REFLEX_RIGHT = A1;
const uint8_t PRED_PINS[] = {A2, A3, A4, A5};
const uint8_t PRED_COLS = sizeof(PRED_PINS);
const uint8_t MOTOR_L_PWM = 5, MOTOR_L_DIR = 4, MOTOR_R_PWM = 6, MOTOR_R_DIR = 7;
const uint32_t PERIOD_US = 50000;       // 50 ms control period
const float CM_PER_S_AT_FULL_PWM = 40;  // measure this on your robot
const uint16_t SENSORS_LEN = 20 + 4 * (2 + PRED_COLS);

enum { HELLO = 1, HELLO_ACK = 2, SENSORS = 3, MOTOR = 4, STOP = 5, RESET = 6, HEARTBEAT = 7 };

uint16_t txSeq = 0, lastCmdSeq = 0, timeoutMs = 200;
bool session = false, ackValid = false;
uint32_t lastRxMs = 0, lastTickUs = 0;
uint8_t rx[8 + 16 + 2];  // the longest frame this side receives (HELLO: 10-byte payload)
uint8_t rxLen = 0;

uint16_t crc16(const uint8_t *p, size_t n, uint16_t crc = 0xFFFF) {
  while (n--) {
    crc ^= (uint16_t)(*p++) << 8;
    for (uint8_t k = 0; k < 8; k++) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
  }
  return crc;
}

void put16(uint8_t *b, uint16_t v) { b[0] = v; b[1] = v >> 8; }
void put32(uint8_t *b, uint32_t v) { for (uint8_t i = 0; i < 4; i++) b[i] = v >> (8 * i); }
void putF(uint8_t *b, float f) { uint32_t v; memcpy(&v, &f, 4); put32(b, v); }
uint16_t get16(const uint8_t *b) { return b[0] | (uint16_t)b[1] << 8; }
float getF(const uint8_t *b) { uint32_t v = 0; for (uint8_t i = 0; i < 4; i++) v |= (uint32_t)b[i] << (8 * i); float f; memcpy(&f, &v, 4); return f; }

void sendFrame(uint8_t type, const uint8_t *payload, uint16_t n) {
  uint8_t h[8] = {0xA5, 0x5A, 1, type};
  put16(h + 4, txSeq++);
  put16(h + 6, n);
  uint16_t crc = crc16(payload, n, crc16(h + 2, 6));
  Serial.write(h, 8);
  Serial.write(payload, n);
  uint8_t c[2];
  put16(c, crc);
  Serial.write(c, 2);
}

void drive(float left, float right) {
  if (!isfinite(left)) left = 0;
  if (!isfinite(right)) right = 0;
  int l = constrain((int)(255 * left / CM_PER_S_AT_FULL_PWM), -255, 255);
  int r = constrain((int)(255 * right / CM_PER_S_AT_FULL_PWM), -255, 255);
  digitalWrite(MOTOR_L_DIR, l >= 0); analogWrite(MOTOR_L_PWM, abs(l));
  digitalWrite(MOTOR_R_DIR, r >= 0); analogWrite(MOTOR_R_PWM, abs(r));
}

float grey(uint8_t pin) { return analogRead(pin) / 1023.0f; }  // 1 = white floor (calibrate!)

void sendSensors() {
  uint8_t p[SENSORS_LEN] = {0};
  put32(p, micros());
  put16(p + 4, lastCmdSeq);
  p[6] = ackValid ? 1 : 0;  // ackValid; no pose, no line-lost detection in this example
  putF(p + 20, grey(REFLEX_LEFT));
  putF(p + 24, grey(REFLEX_RIGHT));
  for (uint8_t i = 0; i < PRED_COLS; i++) putF(p + 28 + 4 * i, 1.0f - grey(PRED_PINS[i]));
  sendFrame(SENSORS, p, SENSORS_LEN);
}

uint16_t expectedLen(uint8_t type) {
  switch (type) {
    case HELLO: return 10;
    case MOTOR: return 8;
    case STOP: return 1;
    case RESET: return 0;
    case HEARTBEAT: return 4;
    default: return 0xFFFF;
  }
}

void handle(uint8_t type, uint16_t seq, const uint8_t *p) {
  lastRxMs = millis();
  if (type == HELLO) {
    uint16_t r = get16(p), rows = get16(p + 2), cols = get16(p + 4);
    bool ok = (!r || r == 2) && (!rows || rows == 1) && (!cols || cols == PRED_COLS);
    timeoutMs = get16(p + 6) ? get16(p + 6) : 200;
    session = ok;
    ackValid = false;
    uint8_t a[14] = {0};
    put16(a, seq);
    a[2] = ok ? 0 : 1;
    a[3] = 0;  // free-running
    put16(a + 4, 2); put16(a + 6, 1); put16(a + 8, PRED_COLS);
    put32(a + 10, PERIOD_US);
    sendFrame(HELLO_ACK, a, 14);
  } else if (!session) {
    return;
  } else if (type == MOTOR) {
    drive(getF(p), getF(p + 4));  // a repeated seq just sets the same speeds again
    lastCmdSeq = seq;
    ackValid = true;
  } else if (type == RESET) {
    drive(0, 0);
    lastCmdSeq = seq;
    ackValid = true;
    sendSensors();
  } else if (type == STOP) {
    drive(0, 0);
  }
}

// Byte-wise receiver with the resynchronisation of docs/robot-protocol.md §2.
void receive(uint8_t b) {
  rx[rxLen++] = b;
  for (;;) {
    if (rxLen >= 1 && rx[0] != 0xA5) { memmove(rx, rx + 1, --rxLen); continue; }
    if (rxLen >= 2 && rx[1] != 0x5A) { memmove(rx, rx + 1, --rxLen); continue; }
    if (rxLen < 8) return;
    uint16_t n = get16(rx + 6);
    if (rx[2] != 1 || expectedLen(rx[3]) != n) { memmove(rx, rx + 1, --rxLen); continue; }
    if (rxLen < 10 + n) return;
    if (crc16(rx + 2, 6 + n) != get16(rx + 8 + n)) { memmove(rx, rx + 1, --rxLen); continue; }
    handle(rx[3], get16(rx + 4), rx + 8);
    rxLen -= 10 + n;
    memmove(rx, rx + 10 + n, rxLen);
  }
}

void setup() {
  pinMode(MOTOR_L_DIR, OUTPUT); pinMode(MOTOR_R_DIR, OUTPUT);
  drive(0, 0);
  Serial.begin(115200);
}

void loop() {
  while (Serial.available()) receive(Serial.read());
  if (session && millis() - lastRxMs > timeoutMs) drive(0, 0);  // robot-side watchdog
  if (session && micros() - lastTickUs >= PERIOD_US) {
    lastTickUs += PERIOD_US;
    sendSensors();  // one SENSORS frame per period also serves as the heartbeat
  }
}
