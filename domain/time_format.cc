#include "domain/time_format.h"

#include <chrono>
#include <cstdio>

namespace eventmart {

namespace {

char* Put(char* p, int value, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + digits;
}

}  // namespace

// Written by hand: this runs once per event in replays of millions.
void AppendTime(TimeMs ms, std::string* out) {
  using namespace std::chrono;
  sys_time<milliseconds> tp{milliseconds{ms}};
  auto day = floor<days>(tp);
  year_month_day ymd{day};
  auto in_day = (tp - day).count();
  char buf[24];
  char* p = Put(buf, static_cast<int>(ymd.year()), 4);
  *p++ = '-';
  p = Put(p, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  *p++ = '-';
  p = Put(p, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  *p++ = 'T';
  p = Put(p, static_cast<int>(in_day / 3'600'000), 2);
  *p++ = ':';
  p = Put(p, static_cast<int>(in_day / 60'000 % 60), 2);
  *p++ = ':';
  p = Put(p, static_cast<int>(in_day / 1000 % 60), 2);
  *p++ = '.';
  p = Put(p, static_cast<int>(in_day % 1000), 3);
  *p++ = 'Z';
  out->append(buf, static_cast<std::size_t>(p - buf));
}

std::string FormatTime(TimeMs ms) {
  std::string out;
  AppendTime(ms, &out);
  return out;
}

namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<TimeMs> ParseTime(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    int scale = 100;
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om)) {
      return std::nullopt;
    }
    offset_minutes = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{millis} -
            minutes{offset_minutes};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

}  // namespace eventmart
