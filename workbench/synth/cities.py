"""Chinese cities for the synthetic marketplace: coordinates, province, population weight, and
whether the city is one of the few regions where counterfeit production concentrates, and its
Chinese name; and the road names of synthetic addresses, in Chinese and in English."""

from __future__ import annotations

import pandas as pd

__all__ = ["CITIES", "ROADS", "ROAD_KINDS"]

# city, province, lat, lon, weight (rough urban population, millions), production hub, Chinese name
_ROWS = [
    ("Guangzhou", "Guangdong", 23.13, 113.26, 18.8, True, "广州"),
    ("Shenzhen", "Guangdong", 22.54, 114.06, 17.6, True, "深圳"),
    ("Dongguan", "Guangdong", 23.02, 113.75, 10.5, True, "东莞"),
    ("Shantou", "Guangdong", 23.35, 116.68, 5.5, True, "汕头"),
    ("Foshan", "Guangdong", 23.02, 113.12, 9.5, False, "佛山"),
    ("Putian", "Fujian", 25.45, 119.01, 3.2, True, "莆田"),
    ("Quanzhou", "Fujian", 24.87, 118.68, 8.8, True, "泉州"),
    ("Xiamen", "Fujian", 24.48, 118.09, 5.2, False, "厦门"),
    ("Fuzhou", "Fujian", 26.07, 119.30, 8.3, False, "福州"),
    ("Jinhua", "Zhejiang", 29.08, 119.65, 7.1, True, "金华"),
    ("Wenzhou", "Zhejiang", 28.00, 120.67, 9.6, True, "温州"),
    ("Hangzhou", "Zhejiang", 30.27, 120.16, 12.2, False, "杭州"),
    ("Ningbo", "Zhejiang", 29.87, 121.55, 9.6, False, "宁波"),
    ("Shanghai", "Shanghai", 31.23, 121.47, 24.9, False, "上海"),
    ("Beijing", "Beijing", 39.90, 116.41, 21.9, False, "北京"),
    ("Tianjin", "Tianjin", 39.13, 117.20, 13.9, False, "天津"),
    ("Chongqing", "Chongqing", 29.56, 106.55, 32.1, False, "重庆"),
    ("Chengdu", "Sichuan", 30.57, 104.07, 21.2, False, "成都"),
    ("Wuhan", "Hubei", 30.59, 114.31, 13.7, False, "武汉"),
    ("Xi'an", "Shaanxi", 34.34, 108.94, 13.0, False, "西安"),
    ("Nanjing", "Jiangsu", 32.06, 118.80, 9.4, False, "南京"),
    ("Suzhou", "Jiangsu", 31.30, 120.59, 12.9, False, "苏州"),
    ("Changsha", "Hunan", 28.23, 112.94, 10.4, False, "长沙"),
    ("Zhengzhou", "Henan", 34.75, 113.63, 12.8, False, "郑州"),
    ("Jinan", "Shandong", 36.65, 117.12, 9.4, False, "济南"),
    ("Qingdao", "Shandong", 36.07, 120.38, 10.3, False, "青岛"),
    ("Shenyang", "Liaoning", 41.81, 123.43, 9.1, False, "沈阳"),
    ("Harbin", "Heilongjiang", 45.80, 126.53, 9.9, False, "哈尔滨"),
    ("Kunming", "Yunnan", 25.04, 102.71, 8.5, False, "昆明"),
    ("Nanning", "Guangxi", 22.82, 108.37, 8.8, False, "南宁"),
    ("Hefei", "Anhui", 31.82, 117.23, 9.6, False, "合肥"),
    ("Nanchang", "Jiangxi", 28.68, 115.86, 6.4, False, "南昌"),
    ("Shijiazhuang", "Hebei", 38.04, 114.51, 11.2, False, "石家庄"),
    ("Taiyuan", "Shanxi", 37.87, 112.55, 5.4, False, "太原"),
    ("Guiyang", "Guizhou", 26.65, 106.63, 6.0, False, "贵阳"),
    ("Lanzhou", "Gansu", 36.06, 103.83, 4.4, False, "兰州"),
    ("Urumqi", "Xinjiang", 43.83, 87.62, 4.1, False, "乌鲁木齐"),
    ("Hohhot", "Inner Mongolia", 40.84, 111.75, 3.5, False, "呼和浩特"),
    ("Haikou", "Hainan", 20.04, 110.20, 2.9, False, "海口"),
    ("Changchun", "Jilin", 43.82, 125.32, 9.1, False, "长春"),
]

CITIES = pd.DataFrame(_ROWS, columns=["city", "province", "lat", "lon", "weight", "production", "chinese"])

# road names: Chinese, and as an English export writes them (pinyin, or a translated word)
ROADS = [
    ("人民", "Renmin"),
    ("解放", "Jiefang"),
    ("中山", "Zhongshan"),
    ("建设", "Jianshe"),
    ("工业", "Industrial"),
    ("科技", "Technology"),
    ("新华", "Xinhua"),
    ("东风", "Dongfeng"),
    ("和平", "Heping"),
    ("文化", "Wenhua"),
    ("胜利", "Shengli"),
    ("光明", "Guangming"),
    ("青年", "Qingnian"),
    ("长江", "Changjiang"),
    ("黄河", "Huanghe"),
    ("滨江", "Binjiang"),
    ("迎宾", "Yingbin"),
    ("环城", "Huancheng"),
    ("振兴", "Zhenxing"),
    ("富民", "Fumin"),
    ("兴业", "Xingye"),
    ("金山", "Jinshan"),
    ("银河", "Yinhe"),
    ("桃源", "Taoyuan"),
    ("松山", "Songshan"),
    ("南湖", "Nanhu"),
    ("湖滨", "Hubin"),
    ("学院", "Xueyuan"),
    ("育才", "Yucai"),
    ("红旗", "Hongqi"),
    ("幸福", "Xingfu"),
    ("友谊", "Youyi"),
    ("团结", "Tuanjie"),
    ("民主", "Minzhu"),
    ("花园", "Huayuan"),
    ("站前", "Zhanqian"),
    ("沿江", "Yanjiang"),
    ("凤凰", "Fenghuang"),
    ("锦绣", "Jinxiu"),
    ("龙华", "Longhua"),
]
# road kinds: Chinese, English abbreviation, English word
ROAD_KINDS = [("路", "Rd", "Road"), ("街", "St", "Street"), ("大道", "Ave", "Avenue"), ("路", "Rd", "Road")]
