/**
 * MJCF of Ant-v5: a torso sphere on a free joint with four two-segment legs (hip about z, ankle about the
 * leg's horizontal normal), eight motors.
 *
 * Physical parameters are those of Gymnasium's `ant.xml`: RK4 at 10 ms; geoms of density 5; torso sphere of
 * radius 0.25 at height 0.75; leg capsules of radius 0.08 (0.2·√2 upper segments, 0.4·√2 lower segments);
 * joint armature and damping 1 (none on the free joint), hips on ±30°, ankles on [30°, 70°] or [−70°, −30°];
 * motors of gear 150 on [−1, 1]; friction (1, 0.5, 0.5), contact margin 0.01, condim 3.
 */
const leg = (name: string, hip: number, sx: number, sy: number, ankleAxis: string, ankleRange: string, geoms: readonly string[]) => `
      <body name="${name}" pos="0 0 0">
        <geom name="${geoms[0]}" fromto="0.0 0.0 0.0 ${0.2 * sx} ${0.2 * sy} 0.0"/>
        <body name="aux_${hip}" pos="${0.2 * sx} ${0.2 * sy} 0">
          <joint name="hip_${hip}" type="hinge" axis="0 0 1" pos="0.0 0.0 0.0" range="-30 30"/>
          <geom name="${geoms[1]}" fromto="0.0 0.0 0.0 ${0.2 * sx} ${0.2 * sy} 0.0"/>
          <body pos="${0.2 * sx} ${0.2 * sy} 0">
            <joint name="ankle_${hip}" type="hinge" axis="${ankleAxis}" pos="0.0 0.0 0.0" range="${ankleRange}"/>
            <geom name="${geoms[2]}" fromto="0.0 0.0 0.0 ${0.4 * sx} ${0.4 * sy} 0.0"/>
          </body>
        </body>
      </body>`;

export const ANT_XML = `
<mujoco model="varl-ant">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4"/>
  <default>
    <joint limited="true" armature="1" damping="1"/>
    <geom type="capsule" size="0.08" conaffinity="0" condim="3" density="5.0" friction="1 0.5 0.5" margin="0.01" rgba="0.85 0.55 0.35 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="40 40 40" conaffinity="1" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 0.75">
      <geom name="torso_geom" type="sphere" size="0.25" pos="0 0 0"/>
      <joint name="root" type="free" pos="0 0 0" limited="false" armature="0" damping="0" margin="0.01"/>${leg('front_left_leg', 1, 1, 1, '-1 1 0', '30 70', ['aux_1_geom', 'left_leg_geom', 'left_ankle_geom'])}${leg('front_right_leg', 2, -1, 1, '1 1 0', '-70 -30', ['aux_2_geom', 'right_leg_geom', 'right_ankle_geom'])}${leg('back_leg', 3, -1, -1, '-1 1 0', '-70 -30', ['aux_3_geom', 'back_leg_geom', 'third_ankle_geom'])}${leg('right_back_leg', 4, 1, -1, '1 1 0', '30 70', ['aux_4_geom', 'rightback_leg_geom', 'fourth_ankle_geom'])}
    </body>
  </worldbody>
  <actuator>
    <motor joint="hip_4" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
    <motor joint="ankle_4" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
    <motor joint="hip_1" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
    <motor joint="ankle_1" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
    <motor joint="hip_2" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
    <motor joint="ankle_2" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
    <motor joint="hip_3" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
    <motor joint="ankle_3" ctrllimited="true" ctrlrange="-1 1" gear="150"/>
  </actuator>
</mujoco>
`;
